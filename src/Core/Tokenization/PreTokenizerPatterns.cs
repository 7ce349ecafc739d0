namespace FineTuneMesh.Core.Tokenization;

/// <summary>The pre-tokenizer split patterns this library knows to reproduce exactly.</summary>
public static class PreTokenizerPatterns
{
    /// <summary>Qwen2/Qwen2.5/Qwen3: a <c>Split</c> with this regex (behavior Isolated), then ByteLevel.</summary>
    public const string Qwen2 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2: the regex built into a plain ByteLevel pre-tokenizer with use_regex true.</summary>
    public const string Gpt2 =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
}
