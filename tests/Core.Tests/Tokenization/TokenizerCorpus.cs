namespace FineTuneMesh.Core.Tests.Tokenization;

/// <summary>Strings that exercise the pre-tokenizer, normalizer and byte-level edge cases.</summary>
public static class TokenizerCorpus
{
    public static readonly string[] Texts =
    [
        "",
        "Hello, world! This is a test of the tokenizer.",
        "The quick brown fox jumps over the lazy dog.",
        "public static int Add(int left, int right)\n{\n    return left + right;\n}\n",
        "def f(x):\n\tif x:\n\t\treturn [i * 2 for i in range(x)]\n\treturn None\n",
        "Numbers like 12345.678, 3.14159, 1,000,000 and 2024-05-01T10:45:00Z.",
        "你好，世界！今天天气很好。日本語のテキスト。한국어 텍스트입니다.",
        "Emoji: 😀🎉👍🏽 ❤️ 👨‍👩‍👧‍👦 🦀",
        "NFD: e\u0301 cafe\u0301 A\u030Angstro\u0308m",
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat's 2+2?<|im_end|>\n<|endoftext|>",
        "a  b   c\n\n\nd \n \n  e\t\tf   ",
        "   leading and trailing spaces   ",
        "line\r\nwindows\r\n\r\nlines\rcarriage",
        "I'm sure you're right; he's here, they'll come, we've gone, I'd go. DON'T SHOUT, It'S fine.",
        "No\u00A0break\u3000ideographic\u2003em space",
        "Math letters 𝐀𝐁𝐂 and rare CJK 𠀀𠀁 and long s 'ſ",
        "Astral letters and digits: 𝐀's a𝐀b !!𝐀 𠀀'll 𝟏𝟐𝟑 x𝟏y",
        "Ünïcödé façade naïve coöperate Ελληνικά русский текст",
        "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
        "x = y ** 2 // 3 != 4 && z || !w; // comment /* block */",
        "Mixed<|im_end|>inline<|im_start|>tokens",
        "<|im_start|><|im_end|><|endoftext|>",
        "\n",
        " ",
        "\t",
    ];
}
