using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Training;

public class ResumeAndSelectionTests(TinyModelFolder tiny) : IClassFixture<TinyModelFolder>
{
    private static readonly LoraSettings _lora = new() { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["q_proj", "v_proj", "up_proj"] };

    private CausalLanguageModel Adapted()
    {
        var model = ModelLoader.Load(tiny.Path);
        LoraApplier.Apply(model, _lora, seed: 4);
        return model;
    }

    private static Dictionary<string, Tensor> Adapter(CausalLanguageModel model) =>
        TrainingCheckpoint.Trainable(model).ToDictionary(p => p.Key, p => (Tensor)p.Value.detach().clone());

    [Fact]
    public void AKilledAndResumedRunEndsWithTheSameAdapterAsAnUninterruptedOne()
    {
        using var checkpoint = new TempFolder();
        var examples = RandomExamples.Make(12, 1);
        var options = new TrainingOptions { LearningRate = 5e-3, Epochs = 3, BatchSize = 3, CheckpointEverySteps = 2, Seed = 9 };

        using var uninterrupted = Adapted();
        var expected = new LoraTrainer(uninterrupted, options).Train(examples);

        using var first = Adapted();
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Step == 5) { stop.Cancel(); } });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new LoraTrainer(first, options).Train(examples, null, progress, checkpoint.Path, stop.Token));

        using var resumed = Adapted();                                                           // a new process, in effect
        var result = new LoraTrainer(resumed, options).Train(examples, null, null, checkpoint.Path);

        Assert.Equal(expected.Steps, result.Steps);
        Assert.Equal(expected.Losses.Count, result.Losses.Count);
        for (var i = 0; i < expected.Losses.Count; i++)
        {
            Assert.True(Math.Abs(expected.Losses[i] - result.Losses[i]) < 1e-4, $"step {i + 1}: {expected.Losses[i]} vs {result.Losses[i]}");
        }

        var a = Adapter(uninterrupted);
        var b = Adapter(resumed);
        Assert.All(a, p => Assert.True(p.Value.allclose(b[p.Key], rtol: 1e-4, atol: 1e-6), p.Key));
    }

    [Fact]
    public void AResumeWithOtherSettingsIsRefused()
    {
        using var checkpoint = new TempFolder();
        var examples = RandomExamples.Make(6, 2);
        using var model = Adapted();
        new LoraTrainer(model, new TrainingOptions { Epochs = 1, BatchSize = 2 }).Train(examples, null, null, checkpoint.Path);

        using var other = Adapted();
        var error = Assert.Throws<InvalidDataException>(() =>
            new LoraTrainer(other, new TrainingOptions { Epochs = 1, BatchSize = 2, Seed = 1 }).Train(examples, null, null, checkpoint.Path));
        Assert.Contains(checkpoint.Path, error.Message);
    }

    [Fact]
    public void EvaluationKeepsTheBestAdapterAndStopsEarly()
    {
        // Training on noise makes held-out noise worse: eval loss rises, so the first evaluation
        // is best, patience 2 stops the run, and the returned adapter is the best one's.
        var (train, eval) = (RandomExamples.Make(12, 3), RandomExamples.Make(6, 4));
        var options = new TrainingOptions { LearningRate = 3e-2, Epochs = 20, BatchSize = 4, EvalEverySteps = 3, EarlyStoppingPatience = 2 };
        using var model = Adapted();

        var result = new LoraTrainer(model, options).Train(train, eval);

        Assert.True(result.StoppedEarly);
        Assert.True(result.Steps < result.TotalSteps);
        var best = result.EvalLosses.MinBy(e => e.Loss);
        Assert.Equal(best.Step, result.BestStep);
        Assert.Equal(best.Loss, new LoraTrainer(model, options).Evaluate(eval), 4);
    }

    [Fact]
    public void ThePlanIsSeededBucketedAndCoversEveryExampleEachEpoch()
    {
        var examples = RandomExamples.Make(40, 5);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 4, Seed = 3 };
        var plan = new TrainingPlan(examples, options);
        var again = new TrainingPlan(examples, options);

        Assert.Equal(20, plan.TotalSteps);
        Assert.All(Enumerable.Range(0, plan.TotalSteps), s => Assert.Equal(plan.Step(s)[0], again.Step(s)[0]));
        var epochOne = Enumerable.Range(0, 10).SelectMany(s => plan.Step(s).SelectMany(b => b)).ToList();
        Assert.Equal(examples.ToHashSet(), epochOne.ToHashSet());

        // Bucketing: padding is what the longest example adds to the others in its batch.
        static long Padding(IEnumerable<TrainingExample[]> batches) => batches.Sum(b => b.Sum(e => b.Max(x => x.Length) - e.Length));
        var random = new Random(3);
        var unbucketed = examples.OrderBy(_ => random.Next()).Chunk(4).ToList();
        Assert.True(Padding(Enumerable.Range(0, 10).SelectMany(plan.Step)) < Padding(unbucketed) / 2);
    }

    [Fact]
    public void SchedulesWarmUpThenDecay()
    {
        Assert.Equal(0.5, LearningRateSchedule.At("cosine", 0, 100, 1.0, 0.02), 6);
        Assert.Equal(1.0, LearningRateSchedule.At("cosine", 2, 100, 1.0, 0.02), 6);
        Assert.Equal(0.5, LearningRateSchedule.At("linear", 51, 100, 1.0, 0.02), 6);
        Assert.Equal(1.0, LearningRateSchedule.At("constant", 90, 100, 1.0, 0.02), 6);
        Assert.True(LearningRateSchedule.At("cosine", 99, 100, 1.0, 0.02) < 0.001);
        Assert.Throws<ArgumentException>(() => new TrainingOptions { Schedule = "wavy" }.Validate());
    }

    [Fact]
    public void TheHoldOutIsSeededAndDisjoint()
    {
        var examples = RandomExamples.Make(20, 6);
        var (train, eval) = TrainingPlan.HoldOut(examples, 0.1, 1);

        Assert.Equal(2, eval.Count);
        Assert.Equal(18, train.Count);
        Assert.Empty(train.Intersect(eval));
        Assert.Equal(eval, TrainingPlan.HoldOut(examples, 0.1, 1).Eval);
        Assert.Empty(TrainingPlan.HoldOut(RandomExamples.Make(4, 7), 0.5, 1).Eval);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
