using FineTuneMesh.Core.Checkpoints;

namespace FineTuneMesh.Core.Tests;

/// <summary>One complete tiny model folder (weights, tokenizer, configs) per test class.</summary>
public sealed class TinyModelFolder : IDisposable
{
    private readonly TempFolder _folder = new();

    public TinyModelFolder()
    {
        ModelFolderInitializer.Write(_folder.Path, new ModelFolderInitializer.Options { Std = 0.2, Seed = 11 });
        Model = LanguageModel.Load(_folder.Path);
    }

    public string Path => _folder.Path;
    public LanguageModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        _folder.Dispose();
    }
}
