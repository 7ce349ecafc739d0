using System.Text;
using Microsoft.ML.Tokenizers;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>Unicode NFC, as Hugging Face's <c>{"type": "NFC"}</c> normalizer
/// (Microsoft.ML.Tokenizers ships none).</summary>
public sealed class NfcNormalizer : Normalizer
{
    public static NfcNormalizer Instance { get; } = new();

    public override string Normalize(string original) =>
        original.IsNormalized(NormalizationForm.FormC) ? original : original.Normalize(NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
