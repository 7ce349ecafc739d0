using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// Cross-entropy over completion tokens only. The batch is right-padded, so causal attention
/// never lets a real token see padding and no mask is needed. Only the supervised positions go
/// through lm_head: for short answers after long prompts most of the vocabulary projection is
/// skipped.
/// </summary>
public static class CompletionLoss
{
    /// <returns>the mean loss (scalar) and the number of supervised tokens</returns>
    /// <param name="model">the model with its adapters</param>
    /// <param name="batch">examples of similar length</param>
    /// <param name="prefix">when set, the frozen layers' output comes from this cache instead of a forward pass</param>
    public static (Tensor Loss, long Tokens) Compute(CausalLanguageModel model, IReadOnlyList<TrainingExample> batch, FrozenPrefixCache? prefix = null)
    {
        var length = batch.Max(e => e.Length);
        var inputs = new long[batch.Count * length];
        var targets = new List<long>();
        var positions = new List<long>();
        for (var b = 0; b < batch.Count; b++)
        {
            var ids = batch[b].PromptIds.Concat(batch[b].CompletionIds).ToArray();
            for (var t = 0; t < ids.Length; t++)
            {
                inputs[b * length + t] = ids[t];
            }

            // Position t predicts token t+1; supervise the predictions of completion tokens.
            for (var t = batch[b].PromptIds.Count - 1; t < ids.Length - 1; t++)
            {
                positions.Add(b * length + t);
                targets.Add(ids[t + 1]);
            }
        }

        var hidden = prefix is null
            ? model.Model.Forward(tensor(inputs).view(batch.Count, length), null, null)               // [B, T, H]
            : model.Model.ForwardFrom(prefix.Batch(batch, length), prefix.FirstAdaptedLayer);
        var selected = hidden.view(-1, hidden.shape[^1]).index_select(0, tensor(positions.ToArray())); // [N, H]
        var logits = model.Logits(selected);                                                          // [N, V]
        return (nn.functional.cross_entropy(logits, tensor(targets.ToArray())), targets.Count);
    }
}
