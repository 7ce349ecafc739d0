using FineTuneMesh.Core;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// A model borrowed for one generation; an adapter model is not disposed while a lease is out. It
/// carries the texts the model's answers are expected to repeat (an adapter's template tail), for
/// speculative decoding to draft.
/// </summary>
public sealed class ModelLease(LanguageModel model, Action? release, IReadOnlyList<string>? expectedTexts = null) : IDisposable
{
    private Action? _release = release;

    public LanguageModel Model { get; } = model;

    public IReadOnlyList<string> ExpectedTexts { get; } = expectedTexts ?? [];

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
