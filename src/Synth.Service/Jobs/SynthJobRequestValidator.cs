using FineTuneMesh.Prompts;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Synth.Service.Generation;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Quality;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// Turns a request into a <see cref="SynthJobSpec"/>, or into errors keyed by field for a 400:
/// a template that does not parse, fewer than two seeds, seeds that do not pass the template's
/// validation (or duplicate each other), a count out of range, an unknown or unusable provider,
/// sampling out of range, limits above the service's.
/// </summary>
public sealed class SynthJobRequestValidator(IOptions<SynthOptions> options, ChatProviderFactory providers)
{
    public const int MinSeeds = 2;

    public SynthJobSpec? Validate(SynthJobRequest request, string id, out Dictionary<string, string[]> errors)
    {
        var settings = options.Value;
        var problems = new Dictionary<string, List<string>>();
        void Problem(string key, string message)
        {
            if (!problems.TryGetValue(key, out var list))
            {
                problems[key] = list = [];
            }

            list.Add(message);
        }

        PromptTemplate? template = null;
        if (string.IsNullOrWhiteSpace(request.Template))
        {
            Problem("template", "a template is required, e.g. \"### Question:\\n{question}\\n### Answer:\\n{answer}\\n### DONE!\".");
        }
        else
        {
            try
            {
                template = PromptTemplate.Parse(request.Template);
            }
            catch (FormatException e)
            {
                Problem("template", e.Message);
            }
        }

        var limits = request.Limits ?? new SynthLimits();
        var maxFieldChars = Tighten(limits.MaxFieldChars, settings.MaxFieldChars, "limits.maxFieldChars", Problem);
        var maxExampleChars = Tighten(limits.MaxExampleChars, settings.MaxExampleChars, "limits.maxExampleChars", Problem);
        var maxRequests = Tighten(limits.MaxRequests, settings.MaxRequestsPerJob, "limits.maxRequests", Problem);
        var maxTokens = (long)Tighten(limits.MaxTokens is { } t ? (int)Math.Min(t, int.MaxValue) : null,
            (int)Math.Min(settings.MaxTokensPerJob, int.MaxValue), "limits.maxTokens", Problem);
        var threshold = limits.NearDuplicateThreshold ?? settings.NearDuplicateThreshold;
        if (threshold is <= 0 or > 1)
        {
            Problem("limits.nearDuplicateThreshold", "must be above 0 and at most 1.");
        }

        var seeds = request.Seeds ?? [];
        TemplateShape? shape = null;
        if (seeds.Count < MinSeeds)
        {
            Problem("seeds", $"at least {MinSeeds} seed examples are required; got {seeds.Count}.");
        }
        else if (template is not null)
        {
            shape = TemplateShape.Of(template);
            var gate = new QualityGate(new TemplateValidator(shape, maxFieldChars, maxExampleChars), [], Math.Clamp(threshold, 0.01, 1));
            for (var i = 0; i < seeds.Count; i++)
            {
                if (gate.Offer(0, seeds[i], seeds.Count) is { } rejection)
                {
                    Problem($"seeds[{i}]", $"does not match the template: {rejection.Reason} ({rejection.Detail}).");
                }
            }
        }

        if (request.Count is not { } count || count < 1 || count > settings.MaxCount)
        {
            Problem("count", $"must be between 1 and {settings.MaxCount}; got {request.Count?.ToString() ?? "none"}.");
        }

        var batchSize = request.BatchSize ?? settings.BatchSize;
        if (batchSize is < 1 or > 100)
        {
            Problem("batchSize", "must be between 1 and 100.");
        }

        var sampling = request.Sampling ?? new SynthSampling();
        if (sampling.Temperature is < 0 or > 2)
        {
            Problem("sampling.temperature", "must be between 0 and 2.");
        }

        if (sampling.TopP is <= 0 or > 1)
        {
            Problem("sampling.topP", "must be above 0 and at most 1.");
        }

        if (sampling.MaxTokens is { } maxOut && (maxOut < 16 || maxOut > settings.MaxOutputTokens))
        {
            Problem("sampling.maxTokens", $"must be between 16 and {settings.MaxOutputTokens}.");
        }

        var providerName = string.IsNullOrWhiteSpace(request.Provider) ? settings.DefaultProvider : request.Provider;
        var provider = providers.TryCreate(providerName, request.Model, out var providerError);
        if (provider is null)
        {
            Problem("provider", providerError!);
        }

        if (request.Train is { } train && !MeshNames.IsValid(train.AdapterName))
        {
            Problem("train.adapterName", "the hand-off to training needs an adapter name: " + MeshNames.Describe("adapter name", train.AdapterName));
        }

        errors = problems.ToDictionary(p => p.Key, p => p.Value.ToArray());
        if (errors.Count > 0)
        {
            return null;
        }

        var configured = providers.Describe(providerName)!;
        var chatOptions = new ChatRequestOptions(
            sampling.Temperature,
            sampling.TopP,
            sampling.MaxTokens ?? settings.MaxOutputTokens,
            sampling.Stream ?? configured.Stream,
            sampling.StructuredOutput ?? configured.StructuredOutput ? BatchPrompt.Schema(template!) : null);
        return new SynthJobSpec(id, template!, shape!, [.. seeds], request.Count!.Value, batchSize, request.IncludeSeeds ?? true,
            provider!, chatOptions, maxRequests, maxTokens, maxFieldChars, maxExampleChars, threshold, request.Train);
    }

    private static int Tighten(int? requested, int ceiling, string key, Action<string, string> problem)
    {
        if (requested is not { } value)
        {
            return ceiling;
        }

        if (value < 1 || value > ceiling)
        {
            problem(key, $"must be between 1 and the service's limit of {ceiling}.");
        }

        return value;
    }
}
