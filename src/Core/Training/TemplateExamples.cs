using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Tokenization;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// Turns template records ({"question": ..., "answer": ...}) into training examples: the prompt is
/// the template up to the completion field, the completion is the field's text plus the end marker.
/// Prompt and completion are tokenized separately, exactly as generation will see the prompt.
/// </summary>
public static class TemplateExamples
{
    public static TrainingExample Build(PromptTemplate template, IReadOnlyDictionary<string, string> record,
        TextTokenizer tokenizer, int maxLength, string source)
    {
        var prompt = template.RenderPrompt(record);
        var full = template.RenderFull(record);
        var completion = full[prompt.Length..];
        if (template.StopString is { } stop && !completion.TrimEnd().EndsWith(stop, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: the completion does not end with the end marker '{stop}'.");
        }

        return new TrainingExample(tokenizer.Encode(prompt), tokenizer.Encode(completion)).EnsureTrainable(maxLength, source);
    }
}
