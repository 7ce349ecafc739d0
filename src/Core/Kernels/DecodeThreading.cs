using TorchSharp;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// Runs LibTorch single-threaded on the calling thread for the duration of a decode step. A
/// decode step is a chain of matrix-vector kernels that split across the cores themselves
/// (<see cref="MatVec"/>) and tiny ops that gain nothing from a second thread; an OpenMP worker
/// woken by them would only compete with the kernel helper for the second core. OpenMP's thread
/// count is a per-thread setting, so other threads (a prefill, a training step) are unaffected.
/// </summary>
public readonly struct DecodeThreading : IDisposable
{
    private readonly int _previous;

    private DecodeThreading(int previous) => _previous = previous;

    public static DecodeThreading Enter()
    {
        var previous = torch.get_num_threads();
        if (previous != 1)
        {
            torch.set_num_threads(1);
        }

        return new DecodeThreading(previous);
    }

    public void Dispose()
    {
        if (_previous is > 1)
        {
            torch.set_num_threads(_previous);
        }
    }
}
