using System.Text;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character table: byte-level BPE vocabularies spell every byte as a
/// printable character (space is 'Ġ', newline 'Ċ'), so tokens are strings of these characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] _byteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> _charToByte = BuildCharToByte(_byteToChar);

    public static char ToChar(byte b) => _byteToChar[b];

    public static bool TryGetByte(char c, out byte b) => _charToByte.TryGetValue(c, out b);

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            builder.Append(_byteToChar[b]);
        }

        return builder.ToString();
    }

    /// <summary>Maps a vocabulary entry back to its bytes; characters outside the table (never
    /// seen in byte-level vocabularies) fall back to their own UTF-8 encoding.</summary>
    public static byte[] Decode(string token)
    {
        var bytes = new List<byte>(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            if (_charToByte.TryGetValue(token[i], out var b))
            {
                bytes.Add(b);
                continue;
            }

            var length = char.IsHighSurrogate(token[i]) && i + 1 < token.Length ? 2 : 1;
            bytes.AddRange(Encoding.UTF8.GetBytes(token.Substring(i, length)));
            i += length - 1;
        }

        return [.. bytes];
    }

    /// <summary>The 256 single-byte tokens in GPT-2 vocabulary order (ordered by character).</summary>
    public static IEnumerable<string> SingleByteTokensInGpt2Order() =>
        _byteToChar.Order().Select(c => c.ToString());

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte(char[] byteToChar)
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[byteToChar[b]] = (byte)b;
        }

        return map;
    }
}
