namespace FineTuneMesh.Gateway.Tests;

/// <summary>
/// The mesh of <see cref="MeshFixture"/> with a queue behind its one decode slot, a gateway that
/// ends any request silent for 2 s, and keep-alives from the service every 300 ms.
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
    })
{
    public static readonly TimeSpan ProxyIdleLimit = TimeSpan.FromSeconds(2);
}
