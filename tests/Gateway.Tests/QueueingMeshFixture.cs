using FineTuneMesh.Core.Checkpoints;

namespace FineTuneMesh.Gateway.Tests;

/// <summary>
/// The mesh of <see cref="MeshFixture"/> with a queue behind its one decode slot, a gateway that
/// ends any request silent for 2 s, and keep-alives from the service every 300 ms. Its model is
/// wider and deeper than the tiny default: the tests hold the slot with a 2,000-token stream read
/// slowly, and the tiny model could make all of it (into the transport's buffers) before the hold
/// was over, which freed the slot early.
/// </summary>
public sealed class QueueingMeshFixture() : MeshFixture(
    new Dictionary<string, string>
    {
        ["Inference:MaxQueuedGenerations"] = "4",
        ["Inference:KeepAliveMs"] = "300",
    },
    new Dictionary<string, string>
    {
        ["Gateway:ProxyIdleTimeoutSeconds"] = "2",
    },
    new ModelFolderInitializer.Options { Std = 0.2, Seed = 11, HiddenSize = 512, IntermediateSize = 1024, Layers = 8, Heads = 8, KeyValueHeads = 4 })
{
    public static readonly TimeSpan ProxyIdleLimit = TimeSpan.FromSeconds(2);
}
