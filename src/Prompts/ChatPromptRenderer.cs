using System.Text;

namespace FineTuneMesh.Prompts;

/// <summary>
/// Renders chat messages the way a model's own chat template does. Jinja is not interpreted:
/// the template is recognised by its markers (ChatML for Qwen2/2.5, header blocks for Llama 3)
/// and rendered natively, including Qwen2.5's default system prompt when the template has it.
/// </summary>
public static class ChatPromptRenderer
{
    public const string QwenDefaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    public static string Render(IReadOnlyList<ChatMessage> messages, string? chatTemplate, bool addGenerationPrompt = true)
    {
        if (messages.Count == 0)
        {
            throw new ArgumentException("a chat needs at least one message.");
        }

        foreach (var message in messages)
        {
            if (message.Role is not ("system" or "user" or "assistant"))
            {
                throw new ArgumentException($"unknown chat role '{message.Role}'; use system, user or assistant.");
            }
        }

        return chatTemplate switch
        {
            null or "" => throw new NotSupportedException(
                "this model has no chat template (tokenizer_config.json chat_template); use a plain prompt template instead."),
            _ when chatTemplate.Contains("<|im_start|>", StringComparison.Ordinal) => RenderChatMl(messages, chatTemplate, addGenerationPrompt),
            _ when chatTemplate.Contains("<|start_header_id|>", StringComparison.Ordinal) => RenderLlama3(messages, addGenerationPrompt),
            _ => throw new NotSupportedException(
                "the model's chat template is neither ChatML nor Llama 3; use a plain prompt template instead."),
        };
    }

    private static string RenderChatMl(IReadOnlyList<ChatMessage> messages, string template, bool addGenerationPrompt)
    {
        var text = new StringBuilder();
        if (messages[0].Role != "system" && template.Contains(QwenDefaultSystemPrompt, StringComparison.Ordinal))
        {
            AppendChatMl(text, "system", QwenDefaultSystemPrompt);
        }

        foreach (var message in messages)
        {
            AppendChatMl(text, message.Role, message.Content);
        }

        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
        }

        return text.ToString();
    }

    private static void AppendChatMl(StringBuilder text, string role, string content) =>
        text.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");

    private static string RenderLlama3(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var text = new StringBuilder("<|begin_of_text|>");
        foreach (var message in messages)
        {
            text.Append("<|start_header_id|>").Append(message.Role).Append("<|end_header_id|>\n\n")
                .Append(message.Content.Trim()).Append("<|eot_id|>");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }

        return text.ToString();
    }
}
