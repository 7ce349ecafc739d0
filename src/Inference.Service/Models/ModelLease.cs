using FineTuneMesh.Core;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>A model borrowed for one generation; an adapter model is not disposed while a lease is out.</summary>
public sealed class ModelLease(LanguageModel model, Action? release) : IDisposable
{
    private Action? _release = release;

    public LanguageModel Model { get; } = model;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
