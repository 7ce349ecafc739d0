namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>The records found in a reply; <see cref="Unreadable"/> counts JSON-looking fragments that did not parse.</summary>
public sealed record ParsedReply(IReadOnlyList<IReadOnlyDictionary<string, string>> Records, int Unreadable);
