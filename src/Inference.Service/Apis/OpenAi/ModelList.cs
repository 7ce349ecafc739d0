namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The body of <c>GET /v1/models</c>.</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    public string Object => "list";
}
