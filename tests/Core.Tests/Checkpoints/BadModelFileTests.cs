using System.Text;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Checkpoints;

/// <summary>Every broken model file fails with an error that names the file and the problem.</summary>
public class BadModelFileTests
{
    private static string WriteTinyFolder(TempFolder folder) =>
        TinyModels.WriteWeights(folder, TinyModels.Config());

    private static T ThrowsNaming<T>(string path, Action action) where T : Exception
    {
        var error = Assert.ThrowsAny<T>(action);
        Assert.Contains(path, error.Message);
        return error;
    }

    [Fact]
    public void AMissingFolderConfigOrWeightsIsNamed()
    {
        using var folder = new TempFolder();
        ThrowsNaming<DirectoryNotFoundException>(folder.File("nope"), () => ModelLoader.Load(folder.File("nope")));
        ThrowsNaming<FileNotFoundException>(folder.File("config.json"), () => ModelLoader.Load(folder.Path));

        TinyModels.Config().Save(folder.File("config.json"));
        var error = ThrowsNaming<FileNotFoundException>(folder.Path, () => ModelLoader.Load(folder.Path));
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void UnsupportedArchitecturesAreRefusedByName()
    {
        using var folder = new TempFolder();
        var config = folder.File("config.json");
        File.WriteAllText(config, """{"model_type":"gpt_neox","vocab_size":10,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2}""");
        Assert.Contains("model_type 'gpt_neox'", ThrowsNaming<NotSupportedException>(config, () => ModelConfig.Load(config)).Message);

        File.WriteAllText(config, """{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2,"rope_scaling":{"rope_type":"yarn","factor":4}}""");
        Assert.Contains("rope_scaling type 'yarn'", ThrowsNaming<NotSupportedException>(config, () => ModelConfig.Load(config)).Message);

        File.WriteAllText(config, "{ not json");
        ThrowsNaming<InvalidDataException>(config, () => ModelConfig.Load(config));
    }

    [Fact]
    public void ATruncatedSafetensorsFileIsNamedAsTruncated()
    {
        using var folder = new TempFolder();
        var weights = Path.Combine(WriteTinyFolder(folder), "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length - 100)]);

        var error = ThrowsNaming<InvalidDataException>(weights, () => ModelLoader.Load(folder.Path));
        Assert.Contains("truncated", error.Message);

        File.WriteAllBytes(weights, bytes[..5]);
        Assert.Contains("truncated", ThrowsNaming<InvalidDataException>(weights, () => ModelLoader.Load(folder.Path)).Message);
    }

    [Fact]
    public void AHeaderThatLiesAboutSizesIsRefused()
    {
        using var folder = new TempFolder();
        var weights = folder.File("model.safetensors");
        WriteRaw(weights, """{"w":{"dtype":"F32","shape":[4,4],"data_offsets":[0,32]}}""", new byte[32]);
        Assert.Contains("needs 64 bytes", ThrowsNaming<InvalidDataException>(weights, () => SafetensorsFile.Open(weights)).Message);

        WriteRaw(weights, """{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Contains("unsupported dtype 'Q4'", ThrowsNaming<InvalidDataException>(weights, () => SafetensorsFile.Open(weights)).Message);

        File.WriteAllBytes(weights, [.. BitConverter.GetBytes(1_000_000_000L), .. new byte[16]]);
        Assert.Contains("header length", ThrowsNaming<InvalidDataException>(weights, () => SafetensorsFile.Open(weights)).Message);

        WriteRaw(weights, "[1,2,3]", []);
        Assert.Contains("not a JSON object", ThrowsNaming<InvalidDataException>(weights, () => SafetensorsFile.Open(weights)).Message);
    }

    [Fact]
    public void AWeightWithTheWrongShapeOrAMissingWeightIsNamed()
    {
        using var folder = new TempFolder();
        WriteTinyFolder(folder);
        var config = folder.File("config.json");
        (TinyModels.Config() with { IntermediateSize = 96 }).Save(config);
        var error = ThrowsNaming<InvalidDataException>(folder.File("model.safetensors"), () => ModelLoader.Load(folder.Path));
        Assert.Contains("gate_proj.weight' has shape [128,64] but the config implies [96,64]", error.Message);

        (TinyModels.Config() with { NumHiddenLayers = 3 }).Save(config);
        Assert.Contains("lacks", ThrowsNaming<InvalidDataException>(folder.Path, () => ModelLoader.Load(folder.Path)).Message);
    }

    [Fact]
    public void ATokenizerLargerThanTheEmbeddingIsRefused()
    {
        using var folder = new TempFolder();
        ModelFolderInitializer.Write(folder.Path, new ModelFolderInitializer.Options());
        var config = ModelConfig.Load(folder.File("config.json"));
        RandomCheckpointWriter.Write(folder.Path, config with { VocabSize = 300 }, 0.02, 1, ScalarType.Float32);

        var error = ThrowsNaming<InvalidDataException>(folder.File("tokenizer.json"), () => LanguageModel.Load(folder.Path));
        Assert.Contains("only 300 rows", error.Message);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void SafetensorsRoundTripsExactly(ScalarType dtype)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var original = randn(3, 5).to(dtype);
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, [new("x", original)], new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        var read = file.Read("x");
        Assert.Equal(dtype, read.dtype);
        Assert.True(read.to(ScalarType.Float32).equal(original.to(ScalarType.Float32)).all().item<bool>());
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void ShardedCheckpointsLoadLikeASingleFile()
    {
        using var single = new TempFolder();
        using var sharded = new TempFolder();
        var config = TinyModels.Config();
        TinyModels.WriteWeights(single, config);
        config.Save(sharded.File("config.json"));
        using (var whole = SafetensorsFile.Open(single.File("model.safetensors")))
        {
            var names = whole.Entries.Keys.Order().ToList();
            var halves = new[] { names.Take(names.Count / 2).ToList(), names.Skip(names.Count / 2).ToList() };
            var map = new Dictionary<string, string>();
            for (var i = 0; i < 2; i++)
            {
                var shard = $"model-0000{i + 1}-of-00002.safetensors";
                SafetensorsWriter.Write(sharded.File(shard), halves[i].Select(n => new KeyValuePair<string, Tensor>(n, whole.Read(n))));
                halves[i].ForEach(n => map[n] = shard);
            }

            File.WriteAllText(sharded.File("model.safetensors.index.json"),
                System.Text.Json.JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
        }

        using var a = ModelLoader.Load(single.Path);
        using var b = ModelLoader.Load(sharded.Path);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 1, 5, 9 }).view(1, -1);
        Assert.True(a.Forward(ids).equal(b.Forward(ids)).all().item<bool>());
    }

    private static void WriteRaw(string path, string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)json.Length), .. json, .. data]);
    }
}
