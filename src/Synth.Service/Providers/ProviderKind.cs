namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>Which wire format a configured provider speaks.</summary>
public enum ProviderKind
{
    /// <summary>OpenAI chat completions: OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, LM Studio.</summary>
    OpenAI,

    /// <summary>Anthropic messages.</summary>
    Anthropic,

    /// <summary>Our own Inference.Service: OpenAI chat completions at <c>http://inference/v1</c>, no key.</summary>
    Inference,
}
