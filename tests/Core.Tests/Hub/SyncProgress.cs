namespace FineTuneMesh.Core.Tests.Hub;

/// <summary>Collects progress reports on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
internal sealed class SyncProgress<T>(List<T> reports) : IProgress<T>
{
    public void Report(T value)
    {
        lock (reports)
        {
            reports.Add(value);
        }
    }
}
