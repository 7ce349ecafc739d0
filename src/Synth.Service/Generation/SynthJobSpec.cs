using FineTuneMesh.Prompts;
using FineTuneMesh.Synth.Service.Jobs;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>A job request after validation: everything the runner needs, resolved and within the service's caps.</summary>
public sealed record SynthJobSpec(
    string Id,
    PromptTemplate Template,
    TemplateShape Shape,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Seeds,
    int Count,
    int BatchSize,
    bool IncludeSeeds,
    IChatProvider Provider,
    ChatRequestOptions ChatOptions,
    int MaxRequests,
    long MaxTokens,
    int MaxFieldChars,
    int MaxExampleChars,
    double NearDuplicateThreshold,
    TrainHandoffRequest? Train);
