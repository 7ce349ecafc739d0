namespace FineTuneMesh.Core.Tokenization;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: matched whole in input text before
/// pre-tokenization; <paramref name="Special"/> ones (control tokens) can be skipped when decoding.</summary>
public sealed record AddedToken(int Id, string Content, bool Special);
