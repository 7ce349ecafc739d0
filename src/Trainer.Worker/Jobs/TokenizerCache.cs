using System.Collections.Concurrent;
using FineTuneMesh.Core.Tokenization;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>Tokenizers by model folder, loaded once: validating a dataset needs the base model's tokenizer, not its weights.</summary>
public sealed class TokenizerCache
{
    private readonly ConcurrentDictionary<string, Lazy<TextTokenizer>> _tokenizers = new(StringComparer.Ordinal);

    public TextTokenizer For(string folder) => _tokenizers.GetOrAdd(folder, f => new Lazy<TextTokenizer>(() => TextTokenizer.Load(f))).Value;
}
