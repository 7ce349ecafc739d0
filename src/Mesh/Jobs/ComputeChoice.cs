namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// The compute dtype a service chose and why, as info endpoints, job records and adapter
/// manifests show it: so a slow run can be traced to its CPU and setting without a profiler.
/// </summary>
/// <param name="Requested">FINETUNE_DTYPE or the job's dtype: auto, fp32, bf16, fp16 or q8_0.</param>
/// <param name="Weights">The dtype the weights were loaded in.</param>
/// <param name="Gemm">The dtype prefill and training matrix products ran in.</param>
/// <param name="Reason">Why, in a sentence.</param>
/// <param name="Warning">Set when the requested dtype is known to be slow on this CPU.</param>
/// <param name="Cpu">The CPU and the features that decided it.</param>
public sealed record ComputeChoice(string Requested, string Weights, string Gemm, string Reason, string? Warning, string Cpu);
