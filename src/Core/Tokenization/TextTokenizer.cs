using System.Collections.Frozen;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer loaded from a Hugging Face model folder (Qwen2/2.5/3, GPT-2 style).
/// Encoding runs on Microsoft.ML.Tokenizers' BPE; decoding maps ids to bytes directly.
/// Thread-safe after <see cref="Load"/>.
/// </summary>
public sealed class TextTokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly string[] _tokens;
    private readonly byte[][] _tokenBytes;
    private readonly bool[] _isSpecial;
    private readonly FrozenDictionary<string, int> _tokenToId;

    private TextTokenizer(TokenizerDefinition definition)
    {
        SourcePath = definition.TokenizerPath;
        PreTokenizerName = definition.PreTokenizerName;
        NormalizesNfc = definition.NormalizeNfc;
        Merges = definition.Merges;
        AddedTokens = definition.AddedTokens;
        BosToken = definition.BosToken;
        EosToken = definition.EosToken;
        PadToken = definition.PadToken;
        ChatTemplate = definition.ChatTemplate;
        AddBosToken = definition.AddBosToken ?? false;

        var maxId = -1;
        foreach (var id in definition.Vocab.Values)
        {
            maxId = Math.Max(maxId, id);
        }

        foreach (var added in definition.AddedTokens)
        {
            maxId = Math.Max(maxId, added.Id);
        }

        VocabSize = maxId + 1;
        _tokens = new string[VocabSize];
        _tokenBytes = new byte[VocabSize][];
        _isSpecial = new bool[VocabSize];
        foreach (var (token, id) in definition.Vocab)
        {
            _tokens[id] = token;
            _tokenBytes[id] = ByteLevelAlphabet.Decode(token);
        }

        var addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var added in definition.AddedTokens)
        {
            _tokens[added.Id] = added.Content;
            _tokenBytes[added.Id] = Encoding.UTF8.GetBytes(added.Content);
            _isSpecial[added.Id] = added.Special;
            addedByContent[added.Content] = added.Id;
            if (added.Special)
            {
                special[added.Content] = added.Id;
            }
        }

        for (var id = 0; id < VocabSize; id++)
        {
            if (_tokens[id] is null)
            {
                _tokens[id] = $"[PAD{id}]";
                _tokenBytes[id] = [];
            }
        }

        var tokenToId = new Dictionary<string, int>(definition.Vocab, StringComparer.Ordinal);
        foreach (var (content, id) in addedByContent)
        {
            tokenToId[content] = id;
        }

        _tokenToId = tokenToId.ToFrozenDictionary(StringComparer.Ordinal);
        SpecialTokens = special.ToFrozenDictionary(StringComparer.Ordinal);
        SpecialTokenIds = [.. special.Values.Order()];
        Tokens = Array.AsReadOnly(_tokens);

        // Every added token (special or not) is matched whole in the input, as Hugging Face does.
        var regex = new Regex(
            SurrogateAwarePattern.Translate(definition.PreTokenizerPattern),
            RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _bpe = BpeTokenizer.Create(new BpeOptions(definition.Vocab)
        {
            Merges = definition.Merges.Select(m => m.Left + " " + m.Right),
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(regex, addedByContent.Count > 0 ? addedByContent : null),
            SpecialTokens = addedByContent.Count > 0 ? addedByContent : null,
            Normalizer = definition.NormalizeNfc ? NfcNormalizer.Instance : null,
        });
    }

    /// <summary>The tokenizer.json this was loaded from.</summary>
    public string SourcePath { get; }

    /// <summary>"qwen2" or "gpt2": the pre-tokenizer regex (GGUF's tokenizer.ggml.pre).</summary>
    public string PreTokenizerName { get; }

    public bool NormalizesNfc { get; }

    /// <summary>Highest id + 1 over the model vocabulary and the added tokens.</summary>
    public int VocabSize { get; }

    /// <summary>Token strings indexed by id (byte-level spelling for BPE tokens, text for added
    /// tokens, "[PADi]" for ids nothing defines).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>BPE merges in priority order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>All added tokens (special or not) as listed in tokenizer.json.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Added tokens marked special (control tokens), content to id.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    public IReadOnlyList<int> SpecialTokenIds { get; }

    public string? BosToken { get; }

    public string? EosToken { get; }

    public string? PadToken { get; }

    public string? ChatTemplate { get; }

    public bool AddBosToken { get; }

    public int? BosTokenId => BosToken is null ? null : TokenToId(BosToken);

    public int? EosTokenId => EosToken is null ? null : TokenToId(EosToken);

    public int? PadTokenId => PadToken is null ? null : TokenToId(PadToken);

    /// <summary>Reads <c>tokenizer.json</c> (and <c>tokenizer_config.json</c> when present) from a model folder.</summary>
    /// <exception cref="FileNotFoundException">No tokenizer.json in the folder.</exception>
    /// <exception cref="InvalidDataException">Bad JSON or an unsupported tokenizer; the message names the file.</exception>
    public static TextTokenizer Load(string modelFolder) => new(TokenizerFileReader.Read(modelFolder));

    /// <summary>Token ids of <paramref name="text"/>; added tokens in the text (e.g. <c>&lt;|im_start|&gt;</c>)
    /// become their single ids. No BOS/EOS is added.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : _bpe.EncodeToIds(text);
    }

    /// <summary>Text of the ids; invalid UTF-8 becomes U+FFFD.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new List<byte>();
        foreach (var id in ids)
        {
            CheckId(id);
            if (!(skipSpecialTokens && _isSpecial[id]))
            {
                buffer.AddRange(_tokenBytes[id]);
            }
        }

        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer));
    }

    /// <summary>The raw bytes a token stands for: byte-level BPE tokens through GPT-2's byte table,
    /// added tokens as their UTF-8 text, undefined ids as nothing. The array is a copy.</summary>
    public byte[] TokenBytes(int id)
    {
        CheckId(id);
        return (byte[])_tokenBytes[id].Clone();
    }

    internal ReadOnlySpan<byte> TokenBytesSpan(int id)
    {
        CheckId(id);
        return _tokenBytes[id];
    }

    public bool IsSpecial(int id)
    {
        CheckId(id);
        return _isSpecial[id];
    }

    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    public string? IdToToken(int id) => id >= 0 && id < VocabSize ? _tokens[id] : null;

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside the vocabulary [0, {VocabSize}).");
        }
    }
}
