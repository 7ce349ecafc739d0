using FineTuneMesh.Core.Training;

namespace FineTuneMesh.Core.Tests.Training;

/// <summary>Seeded random training examples for the tiny model: 4-11 prompt and 2-5 completion tokens.</summary>
public static class RandomExamples
{
    public static List<TrainingExample> Make(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new TrainingExample(
            [.. Enumerable.Range(0, random.Next(4, 12)).Select(_ => random.Next(300))],
            [.. Enumerable.Range(0, random.Next(2, 6)).Select(_ => random.Next(300))]))];
    }
}
