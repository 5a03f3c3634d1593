-- returns: every theme in the catalogue with its label and polarity
-- grain: theme_id
-- params: none
with catalogue as (
    select theme_id, label, polarity from themes
)

select theme_id, label, polarity
from catalogue
order by theme_id
