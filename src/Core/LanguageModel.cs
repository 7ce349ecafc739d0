using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Tokenization;
using static TorchSharp.torch;

namespace FineTuneMesh.Core;

/// <summary>
/// A loaded model folder: weights, tokenizer and the author's generation defaults, checked
/// against each other. One instance serves any number of concurrent generations.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private LanguageModel(string folder, CausalLanguageModel network, TextTokenizer tokenizer, GenerationDefaults defaults)
    {
        Folder = folder;
        Network = network;
        Tokenizer = tokenizer;
        Defaults = defaults;
        Generator = new TextGenerator(network, tokenizer);
    }

    public string Folder { get; }
    public CausalLanguageModel Network { get; }
    public TextTokenizer Tokenizer { get; }
    public GenerationDefaults Defaults { get; }
    public TextGenerator Generator { get; }
    public ModelConfig Config => Network.Config;

    public static LanguageModel Load(string folder, ScalarType dtype = ScalarType.Float32)
    {
        var tokenizer = TextTokenizer.Load(folder);
        var defaults = GenerationDefaults.Load(folder);
        var network = ModelLoader.Load(folder, dtype);
        if (tokenizer.VocabSize > network.Config.VocabSize)
        {
            network.Dispose();
            throw new InvalidDataException(
                $"{tokenizer.SourcePath}: the tokenizer has {tokenizer.VocabSize} tokens but the model's embedding " +
                $"(config.json vocab_size) has only {network.Config.VocabSize} rows.");
        }

        return new LanguageModel(folder, network, tokenizer, defaults);
    }

    /// <summary>End-of-sequence ids from generation_config.json, config.json and the tokenizer.</summary>
    public IReadOnlyList<int> StopTokenIds =>
        [.. Defaults.EosTokenIds.Concat(Config.EosTokenIds).Concat(Tokenizer.EosTokenId is { } id ? [id] : []).Distinct()];

    public IReadOnlyList<int> EncodeChat(IReadOnlyList<ChatMessage> messages) =>
        Tokenizer.Encode(ChatPromptRenderer.Render(messages, Tokenizer.ChatTemplate));

    /// <summary>Sampling options from the model's defaults, with the model's stop ids.</summary>
    public SamplingOptions DefaultSampling() => new()
    {
        Temperature = Defaults.DoSample == false ? 0 : Defaults.Temperature ?? 0,
        TopK = Defaults.TopK ?? 0,
        TopP = Defaults.TopP ?? 1.0,
        MinP = Defaults.MinP ?? 0,
        RepetitionPenalty = Defaults.RepetitionPenalty ?? 1.0,
        MaxNewTokens = Defaults.MaxNewTokens ?? 256,
        StopTokenIds = StopTokenIds,
    };

    /// <summary>
    /// A second model over the same weights in memory (with this one's tokenizer and defaults): what
    /// an adapter is applied to, so that any number of adapters share one copy of the base model.
    /// </summary>
    public LanguageModel ShareWeights()
    {
        var network = new CausalLanguageModel(Config, CPU, Network.DType);
        try
        {
            network.ShareWeightsFrom(Network);
            network.eval();
            foreach (var parameter in network.parameters())
            {
                parameter.requires_grad = false;
            }

            var shared = new LanguageModel(Folder, network, Tokenizer, Defaults);
            shared.Generator.Batcher = Generator.Batcher;
            shared.Generator.PrefillChunkTokens = Generator.PrefillChunkTokens;
            return shared;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public void Dispose() => Network.Dispose();
}
