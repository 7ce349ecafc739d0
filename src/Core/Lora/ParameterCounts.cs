using static TorchSharp.torch;

namespace FineTuneMesh.Core.Lora;

/// <summary>Trainable and total parameter counts, printed the way PEFT prints them.</summary>
public sealed record ParameterCounts(long Trainable, long All)
{
    public double TrainablePercent => 100.0 * Trainable / All;

    public static ParameterCounts Of(nn.Module model)
    {
        long trainable = 0, all = 0;
        foreach (var parameter in model.parameters())
        {
            all += parameter.NumberOfElements;
            if (parameter.requires_grad)
            {
                trainable += parameter.NumberOfElements;
            }
        }

        return new ParameterCounts(trainable, all);
    }

    /// <summary>PEFT's <c>print_trainable_parameters</c> line, digit for digit.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"trainable params: {Trainable:N0} || all params: {All:N0} || trainable%: {TrainablePercent:F4}");
}
