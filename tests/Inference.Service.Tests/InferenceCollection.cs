namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>The service tests share one server and run one at a time: several measure timing on 2 cores.</summary>
[CollectionDefinition(Name)]
public sealed class InferenceCollection : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "inference";
}
