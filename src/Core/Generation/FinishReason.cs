namespace FineTuneMesh.Core.Generation;

/// <summary>Why generation ended, in the OpenAI vocabulary where it has a word for it.</summary>
public enum FinishReason
{
    /// <summary>A stop token or stop string was produced.</summary>
    Stop,

    /// <summary>The token limit (or the model's context) was reached.</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
