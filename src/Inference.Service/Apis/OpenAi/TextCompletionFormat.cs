using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The legacy completions wire format: <c>text_completion</c> objects, whole and as chunks.</summary>
public sealed class TextCompletionFormat : CompletionWireFormat<CompletionRequest>
{
    public static TextCompletionFormat Instance { get; } = new();

    public override string InputParameter => "prompt";

    public override string IdPrefix => "cmpl";

    public override object Whole(string id, long created, string model, string text, GenerationSummary summary) =>
        new TextCompletion(id, created, model, [new TextChoice(0, text, OpenAiApi.FinishReasonOf(summary))],
            new Usage(summary.PromptTokens, summary.CompletionTokens));

    public override object Text(string id, long created, string model, string text) =>
        new TextCompletion(id, created, model, [new TextChoice(0, text, null)]);

    public override object Finish(string id, long created, string model, string finishReason) =>
        new TextCompletion(id, created, model, [new TextChoice(0, "", finishReason)]);

    public override object UsageOnly(string id, long created, string model, Usage usage) => new TextCompletion(id, created, model, [], usage);
}
