namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>One entry of <c>/v1/models</c>: the base model or an adapter.</summary>
public sealed record ModelCard(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}
