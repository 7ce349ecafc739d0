using FineTuneMesh.Core;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.BaseModels;

/// <summary>
/// From the mesh's plain contracts to the engine's types and back. It lives here, beside the
/// services that load models, so the contracts (and everything that only reads them) carry no LibTorch.
/// </summary>
public static class EngineConversions
{
    extension(TrainingSpec spec)
    {
        public TrainingOptions ToOptions() => new()
        {
            LearningRate = spec.LearningRate,
            Epochs = spec.Epochs,
            BatchSize = spec.BatchSize,
            GradientAccumulation = spec.GradientAccumulation,
            MaxSequenceLength = spec.MaxSequenceLength,
            Seed = spec.Seed,
            Schedule = spec.Schedule,
            WarmupFraction = spec.WarmupFraction,
            WeightDecay = spec.WeightDecay,
            EvalEverySteps = spec.EvalEverySteps,
            EarlyStoppingPatience = spec.EarlyStoppingPatience,
            CheckpointEverySteps = spec.CheckpointEverySteps,
        };
    }

    extension(LoraSpec spec)
    {
        public LoraSettings ToSettings() => new()
        {
            Rank = spec.Rank,
            Alpha = spec.Alpha,
            Dropout = spec.Dropout,
            TargetModules = spec.Targets,
            LayersToTransform = spec.LayersToTransform,
        };
    }

    extension(EvaluationSpec spec)
    {
        /// <summary>How held-out answers are generated: the evaluation's temperature, token limit and stops; of the model's defaults only its stop ids.</summary>
        public SamplingOptions ToSampling(LanguageModel model, long seed) => model.DefaultSampling() with
        {
            Temperature = spec.Temperature,
            TopK = 0,
            TopP = 1,
            MinP = 0,
            RepetitionPenalty = 1,
            Seed = unchecked((int)seed),
            MaxNewTokens = spec.MaxTokens,
            StopStrings = spec.StopStrings,
        };
    }

    extension(ComputeChoice)
    {
        public static ComputeChoice From(ComputePlan plan) => new(plan.Requested, DTypeNames.ToUserName(plan.Weights),
            DTypeNames.ToUserName(plan.Gemm), plan.Reason, plan.Warning, CpuFeatures.Current.Describe());
    }
}
