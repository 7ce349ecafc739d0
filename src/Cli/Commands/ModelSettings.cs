using System.ComponentModel;
using FineTuneMesh.Core;
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
    [Description("Compute dtype: fp32 or bf16 (default: FINETUNE_DTYPE or fp32).")]
    public string? DType { get; init; }

    [CommandOption("--adapter <DIR>")]
    [Description("A LoRA adapter folder (PEFT format) to apply on top of the model.")]
    public string? Adapter { get; init; }

    [CommandOption("--json")]
    [Description("Print machine-readable JSON.")]
    public bool Json { get; init; }

    public string ResolveFolder() => ModelLocator.Resolve(Model);

    public LanguageModel LoadModel()
    {
        var model = LanguageModel.Load(ResolveFolder(), DTypeNames.Parse(DType ?? Environment.GetEnvironmentVariable("FINETUNE_DTYPE") ?? "fp32"));
        if (Adapter is not null)
        {
            AdapterFiles.Load(Adapter, model.Network);
        }

        return model;
    }
}
