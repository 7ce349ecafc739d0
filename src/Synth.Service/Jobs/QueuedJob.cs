using System.Diagnostics;
using FineTuneMesh.Synth.Service.Generation;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>A job waiting for a worker, with the trace context of the request that created it.</summary>
public sealed record QueuedJob(SynthJobSpec Spec, ActivityContext Parent);
