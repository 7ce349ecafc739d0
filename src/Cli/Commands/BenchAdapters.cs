using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// Random rank-8 LoRA adapters over every linear layer of a model, written as PEFT folders into a
/// scratch adapters root (deleted on dispose), for <c>bench serve --adapters N</c>; and the next
/// one for each stream in turn, so concurrent streams run on different adapters.
/// </summary>
public sealed class BenchAdapters : IDisposable
{
    private readonly int _count;
    private int _next = -1;

    public BenchAdapters(string modelFolder, int count)
    {
        _count = count;
        Root = Path.Combine(Path.GetTempPath(), $"ftm-bench-adapters-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        if (count == 0)
        {
            return;
        }

        var settings = new LoraSettings { Rank = 8, Alpha = 16, TargetModules = ["all-linear"] };
        using var network = ModelLoader.Load(modelFolder);
        var adapters = LoraApplier.Apply(network, settings, seed: 1);
        for (var i = 0; i < count; i++)
        {
            // One structure, new values per adapter: each is a different update to the same layers.
            using (no_grad())
            {
                var generator = new Generator((ulong)(100 + i));
                foreach (var adapter in adapters.Values)
                {
                    adapter.LoraB.Weight.normal_(0, 0.02, generator);
                }
            }

            AdapterFiles.Save(Path.Combine(Root, Name(i)), adapters, settings, null, null);
        }
    }

    /// <summary>The adapters root to give the inference service.</summary>
    public string Root { get; }

    /// <summary>The adapter for the next stream, in turn; null (the base model) when there are none.</summary>
    public string? Next() => _count == 0 ? null : Name(Interlocked.Increment(ref _next) % _count);

    private static string Name(int index) => $"bench-{index}";

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
