using FineTuneMesh.Core.Tokenization;

namespace FineTuneMesh.Core.Tests.Tokenization;

/// <summary>One tiny tokenizer (200 merges) written to a temp folder and loaded, shared by a test class.</summary>
public sealed class TinyTokenizerFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public TinyTokenizerFixture()
    {
        WrittenVocabSize = TinyTokenizerFactory.Write(_folder.Path);
        Tokenizer = TextTokenizer.Load(_folder.Path);
    }

    public string Folder => _folder.Path;

    public int WrittenVocabSize { get; }

    public TextTokenizer Tokenizer { get; }

    public void Dispose() => _folder.Dispose();
}
