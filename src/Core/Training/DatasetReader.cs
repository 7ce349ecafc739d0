using System.Text.Json;
using FineTuneMesh.Core.Data;
using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Tokenization;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// Reads a JSONL training file in one of three shapes, one record per line:
/// <c>{"prompt","completion"}</c> (the model's eos is appended so it learns to stop),
/// <c>{"messages":[...]}</c> (rendered with the chat template; the last message is the assistant's
/// answer, and its end-of-turn marker is supervised), or template records such as
/// <c>{"question","answer"}</c> with a <see cref="PromptTemplate"/>. Errors name file and line.
/// </summary>
public static class DatasetReader
{
    public static IReadOnlyList<TrainingExample> Read(string path, TextTokenizer tokenizer, int maxLength,
        PromptTemplate? template = null) =>
        [.. JsonLines.ReadObjects(path).Select(line => ReadRecord(line.Record, tokenizer, maxLength, template, line.Source))];

    private static TrainingExample ReadRecord(JsonElement record, TextTokenizer tokenizer, int maxLength,
        PromptTemplate? template, string source)
    {
        if (record.TryGetProperty("messages", out var messages))
        {
            return FromMessages(messages, tokenizer, maxLength, source);
        }

        if (record.TryGetProperty("prompt", out var prompt) && record.TryGetProperty("completion", out var completion))
        {
            var eos = tokenizer.EosTokenId
                ?? throw new InvalidDataException($"{source}: the tokenizer has no eos token to end a completion with.");
            return new TrainingExample(tokenizer.Encode(prompt.GetString() ?? ""),
                [.. tokenizer.Encode(completion.GetString() ?? ""), eos]).EnsureTrainable(maxLength, source);
        }

        if (template is null)
        {
            throw new InvalidDataException(
                $"{source}: a record needs \"prompt\" and \"completion\", or \"messages\", or a template for its fields.");
        }

        var values = JsonLines.StringFields(record, source);
        var missing = template.Fields.Where(f => !values.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{source}: missing field(s) {string.Join(", ", missing)} that the template needs.");
        }

        return TemplateExamples.Build(template, values, tokenizer, maxLength, source);
    }

    private static TrainingExample FromMessages(JsonElement messages, TextTokenizer tokenizer, int maxLength, string source)
    {
        List<ChatMessage> chat;
        try
        {
            chat = [.. messages.EnumerateArray().Select(m => new ChatMessage(
                m.GetProperty("role").GetString() ?? "", m.GetProperty("content").GetString() ?? ""))];
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{source}: \"messages\" must be a list of {{\"role\",\"content\"}} objects.", e);
        }

        if (chat.Count < 2 || chat[^1].Role != "assistant")
        {
            throw new InvalidDataException($"{source}: the last message must be the assistant's answer, after at least one other.");
        }

        var prompt = ChatPromptRenderer.Render(chat[..^1], tokenizer.ChatTemplate, addGenerationPrompt: true);
        var full = ChatPromptRenderer.Render(chat, tokenizer.ChatTemplate, addGenerationPrompt: false);
        if (!full.StartsWith(prompt, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: the chat template does not render the answer after the prompt.");
        }

        return new TrainingExample(tokenizer.Encode(prompt), tokenizer.Encode(full[prompt.Length..])).EnsureTrainable(maxLength, source);
    }
}
