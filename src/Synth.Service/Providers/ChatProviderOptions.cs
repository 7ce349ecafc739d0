namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// One named provider, bound from <c>Synth:Providers:&lt;name&gt;</c>. The key is a secret: it comes
/// from configuration (an Aspire parameter, user secrets, the environment) and <see cref="ToString"/>
/// never shows it.
/// </summary>
public sealed class ChatProviderOptions
{
    public ProviderKind Kind { get; set; } = ProviderKind.OpenAI;

    /// <summary>The API root, e.g. <c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c>; null takes the kind's default.</summary>
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>The model a job uses when its request names none.</summary>
    public string? Model { get; set; }

    /// <summary>Ask for JSON-schema structured output (OpenAI <c>response_format</c>, Anthropic <c>output_config</c>).</summary>
    public bool StructuredOutput { get; set; }

    /// <summary>Stream replies (server-sent events) instead of waiting for the whole body.</summary>
    public bool Stream { get; set; }

    public override string ToString() =>
        $"Kind={Kind};BaseUrl={BaseUrl};Model={Model};ApiKey={(string.IsNullOrEmpty(ApiKey) ? "unset" : "***")}";
}
