using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// What differs between <c>/v1/chat/completions</c> and <c>/v1/completions</c>: the request type,
/// the field a bad input is blamed on, and the shapes of the whole response and of each stream chunk.
/// <see cref="CompletionEndpoint"/> does everything else once for both.
/// </summary>
public abstract class CompletionWireFormat<TRequest>
    where TRequest : SamplingRequest
{
    /// <summary>The request field errors about the input name (<c>messages</c>, <c>prompt</c>).</summary>
    public abstract string InputParameter { get; }

    public abstract string IdPrefix { get; }

    public abstract object Whole(string id, long created, string model, string text, GenerationSummary summary);

    /// <summary>The chunk sent before any text (chat's role announcement), or null for none.</summary>
    public virtual object? Opening(string id, long created, string model) => null;

    public abstract object Text(string id, long created, string model, string text);

    public abstract object Finish(string id, long created, string model, string finishReason);

    public abstract object UsageOnly(string id, long created, string model, Usage usage);
}
