using FineTuneMesh.LlamaCpp;
using FineTuneMesh.Core.Export;
using FineTuneMesh.Core.Tests.Export;
using LLama.Native;

namespace FineTuneMesh.Core.Tests.Reference;

public class LlamaCppReferenceTests
{
    [Fact]
    public void ContextsUseF32KvCacheNoFlashAttentionAndTwoThreads()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config());
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);

        using var reference = new LlamaCppReference(path, contextSize: 512);
        var native = reference.NativeContextParameters;
        Assert.Equal(GGMLType.GGML_TYPE_F32, native.type_k);
        Assert.Equal(GGMLType.GGML_TYPE_F32, native.type_v);
        Assert.Equal(LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED, native.llama_flash_attn_type);
        Assert.Equal(2, native.n_threads);
        Assert.Equal(512u, native.n_ctx);
    }

    [Fact]
    public void A300TokenPromptFitsAndTheSameRunIsDeterministic()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config());
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);
        var ids = GgufTestModels.PromptIds(320);

        using var reference = new LlamaCppReference(path);
        var first = reference.Run(ids, continuation: 4);
        var second = reference.Run(ids, continuation: 4);
        Assert.Equal(first.LastLogits, second.LastLogits);
        Assert.Equal(first.Continuation, second.Continuation);
    }
}
