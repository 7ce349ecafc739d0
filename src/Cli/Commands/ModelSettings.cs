using System.ComponentModel;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>Options shared by every command that loads a model.</summary>
public class ModelSettings : CommandSettings
{
    [CommandOption("-m|--model <MODEL>")]
    [Description("Model folder (default: FINETUNE_BASE_MODEL from .env or the environment).")]
    public string? Model { get; init; }

    [CommandOption("--dtype <DTYPE>")]
    [Description("Compute dtype: auto (chosen for this CPU), fp32, bf16, fp16 or q8_0 (int8 weights, quantized at load, for generation; training computes as auto) (default: FINETUNE_DTYPE, else auto).")]
    public string? DType { get; init; }

    [CommandOption("--adapter <DIR>")]
    [Description("A LoRA adapter folder (PEFT format) to apply on top of the model.")]
    public string? Adapter { get; init; }

    [CommandOption("--json")]
    [Description("Print machine-readable JSON.")]
    public bool Json { get; init; }

    public string ResolveFolder() => ModelLocator.Resolve(Model);

    /// <summary>The dtypes for <paramref name="work"/> on this CPU; a choice known to be slow here is said on stderr.</summary>
    public ComputePlan ComputePlan(ComputeWork work)
    {
        var plan = Core.Modeling.ComputePlan.Choose(DType ?? Environment.GetEnvironmentVariable("FINETUNE_DTYPE"), work, CpuFeatures.Current);
        if (plan.Warning is { } warning)
        {
            Console.Error.WriteLine($"warning: {plan.Summary} is slow on this CPU: {warning}");
        }

        return plan;
    }

    public LanguageModel LoadModel(ComputeWork work = ComputeWork.Inference)
    {
        var model = LanguageModel.Load(ResolveFolder(), ComputePlan(work).Weights);
        if (Adapter is not null)
        {
            AdapterFiles.Load(Adapter, model.Network);
        }

        return model;
    }
}
