using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>
/// Copies checkpoint tensors into a module's parameters by name. Names must match exactly and
/// shapes must agree; anything missing or unexpected is an error that names the file. An int8
/// parameter is a q8_0 matrix: its rows are quantized as they are read, into it and the block
/// scales held under the parameter's name.
/// </summary>
public static class WeightLoader
{
    public static void Load(nn.Module module, CheckpointReader checkpoint, string folder,
        ISet<string>? ignoredCheckpointKeys = null, IReadOnlyDictionary<string, Tensor>? scales = null)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var missing = parameters.Keys.Where(k => !checkpoint.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"{folder}: the checkpoint lacks {missing.Count} weight(s) the model needs, e.g. {string.Join(", ", missing.Take(3))}.");
        }

        var unexpected = checkpoint.TensorNames
            .Where(k => !parameters.ContainsKey(k) && !(ignoredCheckpointKeys?.Contains(k) ?? false)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"{checkpoint.FileOf(unexpected[0])}: {unexpected.Count} tensor(s) do not belong to this architecture, e.g. {string.Join(", ", unexpected.Take(3))}.");
        }

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            var entry = checkpoint.Entry(name);
            if (!entry.Shape.SequenceEqual(parameter.shape))
            {
                throw new InvalidDataException(
                    $"{checkpoint.FileOf(name)}: '{name}' has shape [{string.Join(",", entry.Shape)}] but the config implies [{string.Join(",", parameter.shape)}].");
            }

            HugePages.Advise(parameter);
            if (parameter.dtype == ScalarType.Int8)
            {
                var scale = scales?.GetValueOrDefault(name) ?? throw new InvalidOperationException($"'{name}' is int8 but has no q8_0 scales.");
                Q8Weights.Quantize(parameter, scale, (start, count) => checkpoint.ReadRows(name, start, count));
            }
            else
            {
                checkpoint.ReadInto(name, parameter);
            }
        }
    }
}
