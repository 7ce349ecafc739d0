namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The one choice of a chat completion; finish_reason is <c>stop</c> or <c>length</c>.</summary>
public sealed record ChatChoice(int Index, AssistantMessage Message, string FinishReason);
