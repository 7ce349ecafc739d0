using System.Diagnostics;
using FineTuneMesh.Core.Training;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// Times optimiser steps from the trainer's progress reports, which arrive synchronously on the
/// training thread right after each step: step i lasts from report i-1 (or the start) to report i.
/// </summary>
public sealed class StepClock : IProgress<TrainingProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double> _seconds = [];
    private readonly List<double> _losses = [];
    private double _last;

    public IReadOnlyList<double> StepSeconds => _seconds;
    public IReadOnlyList<double> Losses => _losses;

    public void Report(TrainingProgress value)
    {
        var now = _clock.Elapsed.TotalSeconds;
        _seconds.Add(now - _last);
        _losses.Add(value.Loss);
        _last = now;
    }
}
