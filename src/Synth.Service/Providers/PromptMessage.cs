namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>One chat turn sent to a provider: role <c>system</c>, <c>user</c> or <c>assistant</c>.</summary>
public sealed record PromptMessage(string Role, string Content)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";

    public static PromptMessage System(string content) => new(SystemRole, content);

    public static PromptMessage User(string content) => new(UserRole, content);
}
