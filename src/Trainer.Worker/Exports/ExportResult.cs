namespace FineTuneMesh.Trainer.Worker.Exports;

/// <summary>A stored export: its format, file name, size, SHA-256, and where to download it.</summary>
public sealed record ExportResult(string Format, string File, long Bytes, string Sha256, string Url);
