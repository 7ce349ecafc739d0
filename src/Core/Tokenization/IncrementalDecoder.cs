using System.Text;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// Turns a stream of token ids into text as it arrives. Byte-level tokens can end in the middle of a
/// UTF-8 character (an emoji is often 2-4 tokens); those bytes are held until the character is
/// complete, so every returned piece is whole text. Not thread-safe: one per generation stream.
/// </summary>
public sealed class IncrementalDecoder
{
    private readonly TextTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];

    public IncrementalDecoder(TextTokenizer tokenizer, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>The text completed by this token; empty while a character is still incomplete.</summary>
    public string Push(int tokenId)
    {
        var bytes = _tokenizer.TokenBytesSpan(tokenId);
        if (_skipSpecialTokens && _tokenizer.IsSpecial(tokenId))
        {
            return string.Empty;
        }

        return Convert(bytes, flush: false);
    }

    /// <summary>Whatever is still held, with an incomplete trailing sequence as U+FFFD; the decoder
    /// is then ready for a new stream.</summary>
    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        var needed = _utf8.GetCharCount(bytes, flush);
        if (needed > _chars.Length)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        var written = _utf8.GetChars(bytes, _chars, flush);
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }
}
