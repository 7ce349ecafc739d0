namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// A chat model behind an API. Implementations do not retry: they report failures as
/// <see cref="ProviderException"/> and the caller decides.
/// </summary>
public interface IChatProvider
{
    /// <summary>The configured name, e.g. <c>inference</c>.</summary>
    string Name { get; }

    /// <summary>The <c>gen_ai.system</c> value: <c>openai</c> or <c>anthropic</c>.</summary>
    string System { get; }

    string Model { get; }

    Task<ChatReply> CompleteAsync(IReadOnlyList<PromptMessage> messages, ChatRequestOptions options, CancellationToken cancellationToken);
}
