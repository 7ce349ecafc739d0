using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// Builds the named providers of <c>Synth:Providers</c>. The default is our own Inference.Service
/// (<see cref="ProviderKind.Inference"/>), so the mesh needs no external account.
/// </summary>
public sealed class ChatProviderFactory(IOptions<SynthOptions> options, IHttpClientFactory httpClients, IConfiguration configuration)
{
    /// <summary>The HttpClient the SDKs send through: service discovery, Retry-After capture, no resilience handler (we retry).</summary>
    public const string HttpClientName = "synth-llm";

    public const string InferenceBaseUrl = "http://inference/v1";

    /// <summary>The model name our inference service answers to when nothing else is configured.</summary>
    public const string InferenceDefaultModel = "base";

    public IReadOnlyCollection<string> Names => options.Value.Providers.Keys;

    /// <summary>Null when the name is not configured; <paramref name="error"/> says why a configured one is unusable.</summary>
    public IChatProvider? TryCreate(string name, string? model, out string? error)
    {
        error = null;
        if (!options.Value.Providers.TryGetValue(name, out var provider))
        {
            error = $"unknown provider '{name}'; configured: {string.Join(", ", Names.Order(StringComparer.Ordinal))}.";
            return null;
        }

        var chosenModel = !string.IsNullOrWhiteSpace(model) ? model
            : !string.IsNullOrWhiteSpace(provider.Model) ? provider.Model
            : provider.Kind == ProviderKind.Inference ? configuration.GetBaseModel() ?? InferenceDefaultModel
            : null;
        if (chosenModel is null)
        {
            error = $"provider '{name}' has no Model configured and the request names none.";
            return null;
        }

        var baseUrl = provider.BaseUrl ?? provider.Kind switch
        {
            ProviderKind.Anthropic => AnthropicProvider.DefaultBaseUrl,
            ProviderKind.Inference => InferenceBaseUrl,
            _ => OpenAiCompatibleProvider.DefaultBaseUrl,
        };
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var endpoint))
        {
            error = $"provider '{name}' has a BaseUrl that is not an absolute URL.";
            return null;
        }

        var http = httpClients.CreateClient(HttpClientName);
        var timeout = options.Value.RequestTimeout;
        if (provider.Kind == ProviderKind.Anthropic)
        {
            if (string.IsNullOrEmpty(provider.ApiKey))
            {
                error = $"provider '{name}' (Anthropic) has no ApiKey configured.";
                return null;
            }

            return new AnthropicProvider(name, chosenModel, endpoint, provider.ApiKey, http, timeout);
        }

        return new OpenAiCompatibleProvider(name, chosenModel, endpoint, provider.ApiKey, http, timeout);
    }

    public ChatProviderOptions? Describe(string name) =>
        options.Value.Providers.TryGetValue(name, out var provider) ? provider : null;
}
