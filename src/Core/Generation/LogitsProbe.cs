using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Generation;

/// <summary>
/// The raw view scripts and reference checks need: all vocabulary logits at the last prompt
/// position, and a greedy continuation by token id (no tokenizer, no stop tokens).
/// </summary>
public static class LogitsProbe
{
    public static (float[] Logits, int[] GreedyIds) Run(CausalLanguageModel model, IReadOnlyList<int> promptIds, int greedyCount)
    {
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt is empty.");
        }

        var vocab = model.Config.VocabSize;
        var bad = promptIds.FirstOrDefault(id => id < 0 || id >= vocab, -1);
        if (bad != -1)
        {
            throw new ArgumentException($"token id {bad} is outside the model's vocabulary (0..{vocab - 1}).");
        }

        using var noGrad = no_grad();
        using var cache = model.NewCache();
        float[] first;
        var greedy = new int[greedyCount];
        using (var scope = NewDisposeScope())
        {
            var logits = model.ForwardLast(tensor(promptIds.Select(i => (long)i).ToArray()).view(1, -1), cache)[0];
            first = logits.to(ScalarType.Float32).data<float>().ToArray();
            for (var i = 0; i < greedyCount; i++)
            {
                greedy[i] = (int)logits.argmax().item<long>();
                if (i + 1 < greedyCount)
                {
                    logits = model.ForwardLast(tensor(new long[] { greedy[i] }).view(1, 1), cache)[0];
                }
            }
        }

        return (first, greedy);
    }
}
