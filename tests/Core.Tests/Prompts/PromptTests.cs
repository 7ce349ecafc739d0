using FineTuneMesh.Prompts;

namespace FineTuneMesh.Core.Tests.Prompts;

public class PromptTests
{
    private const string Seed = "Great question! ### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!";

    [Fact]
    public void ATemplateSplitsIntoPromptCompletionAndEndMarker()
    {
        var template = PromptTemplate.Parse(Seed);
        var values = new Dictionary<string, string> { ["question"] = "What is a list?", ["answer"] = "An ordered collection." };

        Assert.Equal(["question", "answer"], template.Fields);
        Assert.Equal("answer", template.CompletionField);
        Assert.Equal("Great question! ### You asked:\nWhat is a list?\n\n### The answer is:\n", template.RenderPrompt(values));
        Assert.Equal("Great question! ### You asked:\nWhat is a list?\n\n### The answer is:\nAn ordered collection.\n### DONE!",
            template.RenderFull(values));
        Assert.Equal("### DONE!", template.StopString);
    }

    [Fact]
    public void BadTemplatesAreRefusedWithAReason()
    {
        Assert.Contains("no {placeholder}", Assert.Throws<FormatException>(() => PromptTemplate.Parse("plain")).Message);
        Assert.Contains("more than once", Assert.Throws<FormatException>(() => PromptTemplate.Parse("{a} {a}")).Message);
        Assert.Contains("offset 2", Assert.Throws<FormatException>(() => PromptTemplate.Parse("x {1bad}")).Message);
        Assert.Equal("{lit} ", PromptTemplate.Parse("{{lit}} {answer}").RenderPrompt(new Dictionary<string, string>()));
    }

    [Fact]
    public void QwenChatMlAddsTheDefaultSystemPromptOnlyWhenNoneIsGiven()
    {
        const string template = "... <|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|> ...";
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            ChatPromptRenderer.Render([new("user", "hi")], template));
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            ChatPromptRenderer.Render([new("system", "Be brief."), new("user", "hi")], template));
    }

    [Fact]
    public void AModelWithoutAKnownChatTemplateSaysToUseAPromptTemplate()
    {
        Assert.Contains("prompt template", Assert.Throws<NotSupportedException>(() => ChatPromptRenderer.Render([new("user", "x")], null)).Message);
        Assert.Contains("unknown chat role", Assert.Throws<ArgumentException>(() => ChatPromptRenderer.Render([new("robot", "x")], "<|im_start|>")).Message);
    }
}
