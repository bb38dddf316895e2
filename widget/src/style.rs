//! The prompt's stylesheet, adopted into its shadow root. Sites restyle it
//! from their own CSS through custom properties on the host
//! (`--tp-brand`, `--tp-on-brand`, `--tp-brand-dark`, `--tp-on-brand-dark`,
//! `--tp-bg`, `--tp-fg`, `--tp-muted`,
//! `--tp-radius`, `--tp-font`) and `::part()` names.

pub const CSS: &str = r#"
.frame{--_bg:var(--tp-bg,#fff);--_fg:var(--tp-fg,#1f2937);--_muted:var(--tp-muted,#4b5563);
--_brand:var(--tp-brand,#3730a3);--_on-brand:var(--tp-on-brand,#fff);--_radius:var(--tp-radius,12px);
--_font:var(--tp-font,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Sans CJK SC",sans-serif);
font:16px/1.4 var(--_font);color:var(--_fg);text-align:start}
.frame[data-mode=dark]{--_bg:var(--tp-bg,#1f2937);--_fg:var(--tp-fg,#f9fafb);--_muted:var(--tp-muted,#d1d5db);
--_brand:var(--tp-brand-dark,var(--tp-brand,#a5b4fc));--_on-brand:var(--tp-on-brand-dark,var(--tp-on-brand,#1e1b4b))}
@media (prefers-color-scheme:dark){.frame[data-mode=auto]{--_bg:var(--tp-bg,#1f2937);--_fg:var(--tp-fg,#f9fafb);
--_muted:var(--tp-muted,#d1d5db);--_brand:var(--tp-brand-dark,var(--tp-brand,#a5b4fc));--_on-brand:var(--tp-on-brand-dark,var(--tp-on-brand,#1e1b4b))}}
*{box-sizing:border-box;margin:0;font:inherit;color:inherit;letter-spacing:normal;text-transform:none}
.backdrop{position:fixed;inset:0;background:rgba(0,0,0,.45)}
.tp{position:fixed;bottom:calc(16px + var(--tp-keyboard,0px));right:16px;width:min(400px,calc(100vw - 32px));
max-height:calc(100vh - 32px);overflow:auto;background:var(--_bg);color:var(--_fg);border-radius:var(--_radius);
box-shadow:0 10px 30px rgba(0,0,0,.3);padding:20px 16px 16px}
[data-position=bottom-left] .tp{right:auto;left:16px}
[data-position=center] .tp{bottom:auto;right:auto;top:50%;left:50%;transform:translate(-50%,-50%)}
.q{display:block;font-weight:600;padding:0;padding-inline-end:40px;margin-bottom:12px}
legend.q{float:left;width:100%}
.group{border:0;padding:0;min-width:0}
.scale{clear:both;display:grid;gap:4px;grid-template-columns:repeat(5,1fr)}
.scale[data-points="7"]{grid-template-columns:repeat(7,1fr)}
.scale[data-points="11"]{grid-template-columns:repeat(11,1fr)}
.pt{position:relative;display:flex;-webkit-tap-highlight-color:transparent}
button{-webkit-tap-highlight-color:transparent}
.pt input{position:absolute;opacity:0;inset:0;width:100%;height:100%;margin:0;cursor:pointer}
.pt span{flex:1;display:flex;align-items:center;justify-content:center;min-height:40px;border:1px solid var(--_muted);
border-radius:6px;font-size:15px}
.pt input:checked+span{background:var(--_brand);border-color:var(--_brand);color:var(--_on-brand)}
.pt input:focus-visible+span{outline:3px solid var(--_brand);outline-offset:2px}
.stars .pt span,.emoji .pt span{font-size:26px;border-color:transparent}
.face{fill:none;stroke:currentColor;stroke-width:1.6;stroke-linecap:round}.face .eye{fill:currentColor;stroke:none}
.emoji .pt span{color:var(--_muted)}.emoji .pt input:checked+span{color:var(--_brand)}
.stars .pt span{color:var(--_muted)}
.stars .pt:has(~ .pt input:checked) span,.stars .pt input:checked+span{color:var(--_brand);background:none}
.emoji .pt input:checked+span{background:none;border:2px solid var(--_brand)}
.ends{display:flex;justify-content:space-between;gap:8px;color:var(--_muted);font-size:13px;padding-top:6px}
.ends span::first-letter{text-transform:uppercase}
textarea{display:block;width:100%;resize:vertical;border:1px solid var(--_muted);border-radius:6px;padding:8px;
font-size:16px;background:var(--_bg);color:var(--_fg)}
textarea:focus-visible,button:focus-visible,.thanks:focus-visible{outline:3px solid var(--_brand);outline-offset:2px}
button{cursor:pointer;border:0;background:none;font-weight:600}
.actions{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}
.send,.skip{min-height:44px;min-width:44px;padding:0 20px;border-radius:6px}
.send{background:var(--_brand);color:var(--_on-brand)}
.skip{border:1px solid var(--_muted)}
.send:disabled{opacity:.65;cursor:not-allowed}
.x{position:absolute;top:4px;inset-inline-end:4px;width:44px;height:44px;border-radius:50%;font-size:26px;line-height:1;color:var(--_muted)}
.thanks{font-weight:600;padding:4px 0;padding-inline-end:40px}
.sentinel,.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media (max-width:599px){.frame:not([data-position=center]) .tp{left:0;right:0;bottom:var(--tp-keyboard,0px);width:100%;
max-height:calc(100vh - 24px);border-radius:var(--_radius) var(--_radius) 0 0;
padding:20px max(16px,env(safe-area-inset-right)) calc(16px + env(safe-area-inset-bottom)) max(16px,env(safe-area-inset-left))}
.scale[data-points="11"]{grid-template-columns:repeat(6,1fr)}.pt span{min-height:44px}
[data-position=center] .tp{left:0;width:100%;transform:translateY(-50%)}}
@media (max-width:363px){.scale[data-points="7"]{grid-template-columns:repeat(4,1fr)}}
@media (prefers-reduced-motion:no-preference){.tp{animation:tp-in .2s ease-out}}
@keyframes tp-in{from{opacity:0}}
"#;
