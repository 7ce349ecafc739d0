using FineTuneMesh.Prompts;
using FineTuneMesh.Inference.Service.Generation;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The body of <c>POST /v1/chat/completions</c>.</summary>
public sealed record ChatCompletionRequest : SamplingRequest
{
    public IReadOnlyList<RequestMessage>? Messages { get; init; }

    /// <summary>The messages rendered with the model's chat template; <c>developer</c> counts as <c>system</c>.</summary>
    public override GenerationRequest ToGeneration(string? adapter, string model)
    {
        Require(Messages is { Count: > 0 }, "messages", "messages must be a non-empty array of {role, content}.");
        var messages = new List<ChatMessage>();
        for (var i = 0; i < Messages!.Count; i++)
        {
            var message = Messages[i];
            var role = message.Role == "developer" ? "system" : message.Role;
            Require(role is "system" or "user" or "assistant", $"messages[{i}].role",
                $"messages[{i}].role '{message.Role}' is not supported: use system, developer, user or assistant.");
            Require(message.Content is not null, $"messages[{i}].content", $"messages[{i}].content is missing.");
            messages.Add(new ChatMessage(role!, message.Content!));
        }

        return ToGeneration(adapter) with { Messages = messages, RequestedModel = model };
    }
}
