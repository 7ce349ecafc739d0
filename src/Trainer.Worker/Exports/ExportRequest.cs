namespace FineTuneMesh.Trainer.Worker.Exports;

/// <summary>The body of <c>POST /api/train/adapters/{name}/versions/{v}/exports</c>.</summary>
public sealed record ExportRequest(string? Format);
